# AMNS (Zhang & Zhou, 2025), as we read it (METHOD.md section 4 and
# plugins/amns/README.md): the image encoder sees only the patches an EMA
# copy of it attends to most (AWM, half of them), trained with BSDM + WAF +
# ID; the EMA momentum goes from 0.996 to 1.0 on a cosine schedule.
# On the pretrained tiny CLIP (model zoo) and SynthPEDES: the CPU-sized
# version of amns_vitb16_60e_*.py. Its single ablations are the
# amns-*_tinyclip_30e_synthpedes.py files beside it.
_base_ = [
    '../../../configs/_base_/datasets/synthpedes.py',
    '../../../configs/_base_/schedules/adamw_30e.py',
    '../../../configs/_base_/default_runtime.py'
]
model = dict(
    masker=dict(type='AttentionWeightedMasker', mask_ratio=0.5,
                score='attention', attention_layers='last'),
    loss_heads=[
        dict(type='BSDMLoss', alpha=1.0, beta=1.0, tau=0.02, weight=1.0),
        dict(type='WAFLoss', gamma=2.0, weighting='uniform', tau=0.02,
             weight=1.0),
        dict(type='IDLoss', weight=1.0),
    ])
custom_hooks = [dict(type='EMAMomentumHook', start=0.996, end=1.0)]
