# AMNS, another reading of WAF's weight adjustment: the focal factors
# divided by their batch mean (weighting='normalized'; default 'uniform').
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(loss_heads=[
    dict(type='BSDMLoss', alpha=1.0, beta=1.0, tau=0.02, weight=1.0),
    dict(type='WAFLoss', gamma=2.0, weighting='normalized', tau=0.02,
         weight=1.0),
    dict(type='IDLoss', weight=1.0),
])
