# AMNS ablation: without the ID loss (BSDM + WAF only). Not one of AWM, BSDM
# and WAF, but part of our recipe: under noise the ID loss teaches each
# wrongly paired caption its image's identity.
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(loss_heads=[
    dict(type='BSDMLoss', alpha=1.0, beta=1.0, tau=0.02),
    dict(type='WAFLoss', gamma=2.0, weighting='uniform', tau=0.02),
])
