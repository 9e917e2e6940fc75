# AMNS (Zhang & Zhou, 2025), as we read it (METHOD.md section 4 and
# plugins/amns/README.md): the image encoder sees only the patches an EMA
# copy of it attends to most (AWM, half of them), trained with BSDM + WAF +
# ID. Experiments put these in the model (masker=..., losses=...).
# Components: plugins/amns; ablations swap one entry (configs/amns/).
masker = dict(type='AttentionWeightedMasker', mask_ratio=0.5,
              score='attention', attention_layers='last')
losses = [
    dict(type='BSDMLoss', alpha=1.0, beta=1.0, tau=0.02, weight=1.0),
    dict(type='WAFLoss', gamma=2.0, weighting='uniform', tau=0.02,
         weight=1.0),
    dict(type='IDLoss', weight=1.0),
]
# EMA momentum from 0.996 to 1.0 on a cosine schedule over training.
custom_hooks = [dict(type='EMAMomentumHook', start=0.996, end=1.0)]
