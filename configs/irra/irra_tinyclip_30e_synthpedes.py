# IRRA's losses on the pretrained tiny CLIP (model zoo) and SynthPEDES: the
# CPU-sized version of irra_vitb16_60e_*.py, same components. The MLM head
# is shrunk to the tiny model's scale (width 96, 1 layer).
_base_ = [
    '../_base_/models/tiny_clip.py', '../_base_/methods/irra.py',
    '../_base_/datasets/synthpedes.py', '../_base_/schedules/adamw_30e.py',
    '../_base_/default_runtime.py'
]
tokenizer = {{_base_.tokenizer}}
model = dict(
    tokenizer=tokenizer,
    num_classes={{_base_.num_train_ids}},
    losses=[
        dict(type='SDMLoss', tau=0.02),
        dict(type='IDLoss'),
        dict(type='MLMLoss', width=96, depth=1, heads=4),
    ])
train_dataloader = dict(dataset=dict(text_pipeline=[
    dict(type='TokenizeCaption', tokenizer=tokenizer),
    dict(type='MaskCaptionTokens', tokenizer=tokenizer),
]))
