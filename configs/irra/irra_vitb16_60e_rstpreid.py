# IRRA on RSTPReid: CLIP ViT-B/16 at 384x128, SDM + ID + MLM, 60 epochs.
_base_ = [
    '../_base_/models/clip_vit_b16.py', '../_base_/methods/irra.py',
    '../_base_/datasets/rstpreid.py', '../_base_/schedules/adam_60e.py',
    '../_base_/default_runtime.py'
]
tokenizer = {{_base_.tokenizer}}
model = dict(
    tokenizer=tokenizer,
    num_classes={{_base_.num_train_ids}},
    losses={{_base_.losses}})
train_dataloader = dict(dataset=dict(text_pipeline=[
    dict(type='TokenizeCaption', tokenizer=tokenizer),
    dict(type='MaskCaptionTokens', tokenizer=tokenizer),
]))
