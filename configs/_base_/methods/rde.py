# RDE (Qin et al., CVPR 2024): TAL on the global and the token-selection
# (TSE) embeddings, tau = 0.015, margin 0.1, TSE from the top 30 % tokens by
# attention; consensus clean-label division (CCD) re-weights the pairs each
# epoch. No ID, no MLM. Experiments put these in the model
# (embedding_heads=..., losses=...) and add AugmentCaptionTokens (RDE's
# caption augmentation) after TokenizeCaption. Components: plugins/rde.
embedding_heads = dict(tse=dict(type='TokenSelectionEmbedding', ratio=0.3))
losses = [
    dict(type='TALLoss', embedding='global', tau=0.015, margin=0.1),
    dict(type='TALLoss', embedding='tse', tau=0.015, margin=0.1),
]
custom_hooks = [dict(type='ConsensusDivisionHook')]
