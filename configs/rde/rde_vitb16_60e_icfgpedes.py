# RDE on ICFG-PEDES: CLIP ViT-B/16 at 384x128, TAL on global + TSE, CCD.
_base_ = [
    '../_base_/models/clip_vit_b16.py', '../_base_/methods/rde.py',
    '../_base_/datasets/icfg_pedes.py', '../_base_/schedules/adam_60e.py',
    '../_base_/default_runtime.py'
]
tokenizer = {{_base_.tokenizer}}
model = dict(
    tokenizer=tokenizer,
    embedding_heads={{_base_.embedding_heads}},
    losses={{_base_.losses}})
train_dataloader = dict(dataset=dict(text_pipeline=[
    dict(type='TokenizeCaption', tokenizer=tokenizer),
    dict(type='AugmentCaptionTokens', tokenizer=tokenizer),
]))
