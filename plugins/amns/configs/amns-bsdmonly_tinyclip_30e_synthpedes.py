# AMNS, another reading of its loss weights: BSDM alone (WAF's and ID's
# weights 0), so AWM + BSDM against SDM-only isolates BSDM's reverse term
# and the mask.
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(loss_heads=[
    dict(type='BSDMLoss', alpha=1.0, beta=1.0, tau=0.02, weight=1.0),
])
