# AMNS, another reading: BSDM as the only loss and no masking, so against
# SDM-only it isolates BSDM's reverse term, and against amns-bsdmonly the
# mask.
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(
    masker=dict(_delete_=True, type='IdentityMasker'),
    loss_heads=[
        dict(type='BSDMLoss', alpha=1.0, beta=1.0, tau=0.02, weight=1.0),
    ])
custom_hooks = []  # no EMA encoder to update
