# AMNS, another reading: AWM with SDM and WAF (no reverse KL, no ID), so
# against amns-sdmonly it isolates WAF, and with amns-sdmid it says which of
# WAF and ID makes the BSDM -> SDM ablation collapse.
_base_ = './amns-sdmonly_tinyclip_30e_synthpedes.py'
model = dict(loss_heads=[
    dict(type='SDMLoss', tau=0.02),
    dict(type='WAFLoss', gamma=2.0, weighting='uniform', tau=0.02),
])
