# IRRA (Jiang & Ye, CVPR 2023) on CUHK-PEDES: CLIP ViT-B/16 at 384x128,
# L = SDM + ID + MLM with tau = 0.02 fixed, 60 epochs.
_base_ = [
    '../_base_/datasets/cuhkpedes.py', '../_base_/schedules/adam_60e.py',
    '../_base_/default_runtime.py'
]
model = dict(loss_heads=[
    dict(type='SDMLoss', tau=0.02, weight=1.0),
    dict(type='IDLoss', weight=1.0),
    dict(type='MLMLoss', weight=1.0, depth=4, heads=8),
])
# The MLM head's input: 15 % of caption tokens (80 % mask token, 10 %
# random, 10 % kept).
train_dataloader = dict(dataset=dict(text_pipeline=[
    *_base_.train_dataloader.dataset.text_pipeline,
    dict(type='MaskCaptionTokens', tokenizer=_base_.model.tokenizer),
]))
