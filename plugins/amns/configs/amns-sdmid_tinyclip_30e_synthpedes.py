# AMNS, another reading: AWM with SDM and the ID loss (no reverse KL, no
# WAF), so against amns-sdmonly it isolates the ID loss (see
# amns-sdmwaf_tinyclip_30e_synthpedes.py).
_base_ = './amns-sdmonly_tinyclip_30e_synthpedes.py'
model = dict(loss_heads=[dict(type='SDMLoss', tau=0.02), dict(type='IDLoss')])
