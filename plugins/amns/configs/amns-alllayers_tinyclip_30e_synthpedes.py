# AMNS, another reading of AWM: score a patch by the CLS attention averaged
# over all layers, not the last one only.
_base_ = './amns_tinyclip_30e_synthpedes.py'
model = dict(masker=dict(attention_layers='all'))
