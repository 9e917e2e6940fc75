# AMNS ablation: without WAF.
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(loss_heads=[
    dict(type='BSDMLoss', alpha=1.0, beta=1.0, tau=0.02),
    dict(type='IDLoss'),
])
