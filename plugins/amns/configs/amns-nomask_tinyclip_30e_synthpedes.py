# AMNS ablation: no masking at all.
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(masker=dict(_delete_=True, type='IdentityMasker'))
custom_hooks = []  # no EMA encoder to update
