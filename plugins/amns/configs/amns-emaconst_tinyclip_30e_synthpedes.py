# AMNS, another reading of AWM's EMA: a constant momentum of 0.996, so the
# EMA encoder keeps following the online one to the end (the default cosine
# schedule to 1.0 freezes it).
_base_ = './amns_tinyclip_30e_synthpedes.py'
custom_hooks = [dict(type='EMAMomentumHook', start=0.996, end=0.996)]
