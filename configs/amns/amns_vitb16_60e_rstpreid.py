# AMNS on RSTPReid: CLIP ViT-B/16 at 384x128, AWM + BSDM + WAF + ID.
_base_ = [
    '../_base_/models/clip_vit_b16.py', '../_base_/methods/amns.py',
    '../_base_/datasets/rstpreid.py', '../_base_/schedules/adam_60e.py',
    '../_base_/default_runtime.py'
]
tokenizer = {{_base_.tokenizer}}
model = dict(
    tokenizer=tokenizer,
    num_classes={{_base_.num_train_ids}},
    masker={{_base_.masker}},
    losses={{_base_.losses}})
