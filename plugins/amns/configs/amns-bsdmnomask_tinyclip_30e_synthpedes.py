# AMNS, another reading: BSDM as the only loss and no masking, so against
# SDM-only it isolates BSDM's reverse term, and against amns-bsdmonly the
# mask.
_base_ = './amns-bsdmonly_tinyclip_30e_synthpedes.py'
model = dict(masker=dict(_delete_=True, type='IdentityMasker'))
custom_hooks = []  # no EMA encoder to update
