# The README's main job: the pretrained tiny CLIP from the model zoo
# fine-tuned on SynthPEDES with CLIP's contrastive loss (ITC), made to match
# people rather than single images: identity-balanced batches (16 people x
# 4 pairs, the SynthPEDES default), every pair of the same person a
# positive, RDE's caption token augmentation against memorising captions.
_base_ = [
    '../_base_/datasets/synthpedes.py', '../_base_/schedules/adamw_8e.py',
    '../_base_/default_runtime.py'
]
model = dict(loss_heads=[
    dict(type='ITCLoss', tau=0.07, learnable_tau=True, identity_positives=True)
])
train_dataloader = dict(dataset=dict(text_pipeline=[
    *_base_.train_dataloader.dataset.text_pipeline,
    dict(type='AugmentCaptionTokens', tokenizer=_base_.model.tokenizer),
]))
