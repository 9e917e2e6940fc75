# AMNS, another reading of AWM: drop the patches the EMA encoder attends to
# most (the online encoder sees the least salient half).
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(masker=dict(drop='highest'))
