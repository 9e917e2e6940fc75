# RDE (Qin et al., CVPR 2024): TAL on the global and the token-selection
# (TSE) embeddings, tau = 0.015, margin 0.1, TSE from the top 30 % tokens by
# attention; consensus clean-label division (CCD) re-weights the pairs each
# epoch; RDE's caption augmentation after TokenizeCaption. No ID, no MLM.
# On the pretrained tiny CLIP (model zoo) and SynthPEDES: the CPU-sized
# version of rde_vitb16_60e_*.py. TSE is shrunk to the tiny model's scale
# (128-d output; RDE's is 1024-d).
_base_ = [
    '../../../configs/_base_/datasets/synthpedes.py',
    '../../../configs/_base_/schedules/adamw_30e.py',
    '../../../configs/_base_/default_runtime.py'
]
model = dict(
    embedding_heads=dict(
        tse=dict(type='TokenSelectionEmbedding', ratio=0.3, output_dim=128)),
    loss_heads=[
        dict(type='TALLoss', embedding='global', tau=0.015, margin=0.1),
        dict(type='TALLoss', embedding='tse', tau=0.015, margin=0.1),
    ])
train_dataloader = dict(dataset=dict(text_pipeline=[
    *_base_.train_dataloader.dataset.text_pipeline,
    dict(type='AugmentCaptionTokens', tokenizer=_base_.model.tokenizer),
]))
custom_hooks = [dict(type='ConsensusDivisionHook')]
