# AMNS ablation: BSDM -> SDM (SDMLoss; BSDM with beta = 0 equals it).
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(loss_heads=[
    dict(type='SDMLoss', tau=0.02),
    dict(type='WAFLoss', gamma=2.0, weighting='uniform', tau=0.02),
    dict(type='IDLoss'),
])
