# AMNS's components on the pretrained tiny CLIP (model zoo) and SynthPEDES: the
# CPU-sized version of amns_vitb16_60e_*.py. Its single ablations are the
# amns-*_tinyclip_30e_synthpedes.py files beside it.
_base_ = [
    '../_base_/models/tiny_clip.py', '../_base_/methods/amns.py',
    '../_base_/datasets/synthpedes.py', '../_base_/schedules/adamw_30e.py',
    '../_base_/default_runtime.py'
]
tokenizer = {{_base_.tokenizer}}
model = dict(
    tokenizer=tokenizer,
    num_classes={{_base_.num_train_ids}},
    masker={{_base_.masker}},
    losses={{_base_.losses}})
