# Pretraining the tiny CLIP with CLIP's contrastive loss (ITC) on the
# streamed SynthPEDES-Pretrain corpus (web-style captions, people disjoint
# from SynthPEDES), validated zero-shot on SynthPEDES val. Made into the
# model zoo entry `tinyclip-synthpedes` by tools/pretrain_synthpedes.py
# (docs/model_zoo.md), which also writes the tokenizer this config reads.
_base_ = [
    '../_base_/datasets/synthpedes.py', '../_base_/default_runtime.py'
]
work_dir = 'work_dirs/pretrain_tinyclip_synthpedes'
model = dict(
    # The corpus's vocabulary (both caption styles), written by
    # tools/pretrain_synthpedes.py before training; it becomes the zoo
    # entry's.
    tokenizer=dict(
        type='WordLevelTokenizer',
        vocab_file='{{$AMNSFW_DATA_ROOT:data}}/SynthPEDES-Pretrain/'
        'tokenizer.json',
        max_length=32),
    image_encoder=dict(pretrained=None),
    text_encoder=dict(pretrained=None),
    loss_heads=[dict(type='ITCLoss', tau=0.07, learnable_tau=True,
                     identity_positives=True)])

train_dataloader = dict(
    _delete_=True,
    batch_size=128,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='amnsfw.collate_person_search'),
    dataset=dict(
        type='SynthPEDESPretrain',
        num_ids=500_000,
        images_per_id=2,
        image_pipeline=[
            dict(type='Resize',
                 scale=_base_.model.image_encoder.image_size[::-1],
                 keep_ratio=False),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='ImageToRGBTensor'),
        ],
        text_pipeline=[
            dict(type='TokenizeCaption', tokenizer=model['tokenizer'])
        ]))
val_dataloader = dict(dataset=dict(text_pipeline=[
    dict(type='TokenizeCaption', tokenizer=model['tokenizer'])
]))
test_dataloader = val_dataloader

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=3e-4, weight_decay=0.1),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=500),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=500, end=8000,
         eta_min=0.0),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=8000,
                 val_interval=1000)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    # Validation metrics logged against the iteration, not epoch 0.
    logger=dict(type='LoggerHook', interval=100, log_metric_by_epoch=False),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=False,
                    interval=1000, max_keep_ckpts=1, save_best='retrieval/R1',
                    rule='greater'))
log_processor = dict(by_epoch=False, window_size=100)
