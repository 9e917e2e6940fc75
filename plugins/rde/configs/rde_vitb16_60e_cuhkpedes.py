# RDE (Qin et al., CVPR 2024): TAL on the global and the token-selection
# (TSE) embeddings, tau = 0.015, margin 0.1, TSE from the top 30 % tokens by
# attention; consensus clean-label division (CCD) re-weights the pairs each
# epoch; RDE's caption augmentation after TokenizeCaption. No ID, no MLM.
# On CUHK-PEDES: CLIP ViT-B/16 at 384x128, 60 epochs.
_base_ = [
    '../../../configs/_base_/datasets/cuhkpedes.py',
    '../../../configs/_base_/schedules/adam_60e.py',
    '../../../configs/_base_/default_runtime.py'
]
model = dict(
    embedding_heads=dict(
        tse=dict(type='TokenSelectionEmbedding', ratio=0.3)),
    loss_heads=[
        dict(type='TALLoss', embedding='global', tau=0.015, margin=0.1),
        dict(type='TALLoss', embedding='tse', tau=0.015, margin=0.1),
    ])
train_dataloader = dict(dataset=dict(text_pipeline=[
    *_base_.train_dataloader.dataset.text_pipeline,
    dict(type='AugmentCaptionTokens', tokenizer=_base_.model.tokenizer),
]))
custom_hooks = [dict(type='ConsensusDivisionHook')]
