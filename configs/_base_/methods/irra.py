# IRRA (Jiang & Ye, CVPR 2023): L = SDM + ID + MLM, tau = 0.02 fixed.
# Experiments put these in the model (losses={{_base_.losses}}) and add
# MaskCaptionTokens after TokenizeCaption in the train text pipeline (15 %
# of caption tokens: 80 % mask token, 10 % random, 10 % kept).
losses = [
    dict(type='SDMLoss', tau=0.02, weight=1.0),
    dict(type='IDLoss', weight=1.0),
    dict(type='MLMLoss', weight=1.0, depth=4, heads=8),
]
