# IRRA's losses on the pretrained tiny CLIP (model zoo) and SynthPEDES: the
# CPU-sized version of irra_vitb16_60e_*.py, same components. The MLM head
# is shrunk to the tiny model's scale (width 96, 1 layer).
_base_ = [
    '../_base_/datasets/synthpedes.py', '../_base_/schedules/adamw_30e.py',
    '../_base_/default_runtime.py'
]
model = dict(loss_heads=[
    dict(type='SDMLoss', tau=0.02),
    dict(type='IDLoss'),
    dict(type='MLMLoss', width=96, depth=1, heads=4),
])
# The MLM head's input: 15 % of caption tokens (80 % mask token, 10 %
# random, 10 % kept).
train_dataloader = dict(dataset=dict(text_pipeline=[
    *_base_.train_dataloader.dataset.text_pipeline,
    dict(type='MaskCaptionTokens', tokenizer=_base_.model.tokenizer),
]))
