# AMNS, another reading: AWM with SDM as the only loss (no reverse KL, no
# WAF, no ID), so against SDM-only it isolates the mask, and against
# amns-bsdmonly it isolates BSDM's reverse term.
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(loss_heads=[dict(type='SDMLoss', tau=0.02)])
