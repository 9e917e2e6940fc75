# The example plugin's components on amnsfw's tiny CLIP and SynthPEDES: the
# image encoder sees only the central half of each image's patches in
# training (CenterBiasMasker), trained with a cosine margin contrastive loss
# (CosineMarginLoss). Both are named by their registered names, with no
# import. The base is amnsfw's recipe, reached by a path relative to this
# file: the example lives in amnsfw's repository and moves with it.
_base_ = ['../../../configs/itc/itc_tinyclip_8e_synthpedes.py']
model = dict(
    masker=dict(type='CenterBiasMasker', mask_ratio=0.5),
    loss_heads=[
        dict(type='CosineMarginLoss', margin=0.1, tau=0.07,
             learnable_tau=True)
    ])
