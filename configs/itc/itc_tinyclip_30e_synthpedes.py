# The README's main job: a tiny CLIP trained from scratch on SynthPEDES with
# CLIP's contrastive loss (ITC), made to match people rather than single
# images: identity-balanced batches (16 people x 4 pairs, the SynthPEDES
# default), every pair of the same person a positive, RDE's caption token
# augmentation against memorising captions, and a convolutional stem in place
# of the 16x16 patch kernel (same 6x2 token grid). See docs/configs.md for
# what was measured on the way.
_base_ = [
    '../_base_/models/tiny_clip.py', '../_base_/datasets/synthpedes.py',
    '../_base_/schedules/adamw_30e.py', '../_base_/default_runtime.py'
]
tokenizer = {{_base_.tokenizer}}
model = dict(
    tokenizer=tokenizer,
    image_encoder=dict(conv_stem=[16, 32, 64, 64]),
    losses=[
        dict(type='ITCLoss', tau=0.07, learnable_tau=True,
             identity_positives=True)
    ])
train_dataloader = dict(dataset=dict(text_pipeline=[
    dict(type='TokenizeCaption', tokenizer=tokenizer),
    dict(type='AugmentCaptionTokens', tokenizer=tokenizer),
]))
