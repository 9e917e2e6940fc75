# AMNS ablation: random patch dropping at the same ratio instead of AWM.
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(masker=dict(_delete_=True, type='RandomTokenMasker',
                         mask_ratio=0.5))
custom_hooks = []  # no EMA encoder to update
