# RDE's components on the pretrained tiny CLIP (model zoo) and SynthPEDES: the
# CPU-sized version of rde_vitb16_60e_*.py. TSE is shrunk to the tiny
# model's scale (128-d output; RDE's is 1024-d).
_base_ = [
    '../_base_/models/tiny_clip.py', '../_base_/methods/rde.py',
    '../_base_/datasets/synthpedes.py', '../_base_/schedules/adamw_30e.py',
    '../_base_/default_runtime.py'
]
tokenizer = {{_base_.tokenizer}}
model = dict(
    tokenizer=tokenizer,
    embedding_heads=dict(
        tse=dict(type='TokenSelectionEmbedding', ratio=0.3, output_dim=128)),
    losses={{_base_.losses}})
train_dataloader = dict(dataset=dict(text_pipeline=[
    dict(type='TokenizeCaption', tokenizer=tokenizer),
    dict(type='AugmentCaptionTokens', tokenizer=tokenizer),
]))
