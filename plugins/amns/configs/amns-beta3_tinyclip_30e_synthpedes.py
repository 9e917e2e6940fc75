# AMNS, another reading of BSDM: the reverse term KL(q || p) weighted 3
# (default 1; 0 is SDM, the amns-sdm ablation).
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(loss_heads=[
    dict(type='BSDMLoss', alpha=1.0, beta=3.0, tau=0.02, weight=1.0),
    dict(type='WAFLoss', gamma=2.0, weighting='uniform', tau=0.02,
         weight=1.0),
    dict(type='IDLoss', weight=1.0),
])
