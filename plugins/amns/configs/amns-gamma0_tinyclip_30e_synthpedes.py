# AMNS, another reading of WAF: no focusing (gamma 0, cross-entropy on each
# anchor's positive mass; default 2).
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(loss_heads=[
    dict(type='BSDMLoss', alpha=1.0, beta=1.0, tau=0.02, weight=1.0),
    dict(type='WAFLoss', gamma=0.0, weighting='uniform', tau=0.02,
         weight=1.0),
    dict(type='IDLoss', weight=1.0),
])
