# SynthPEDES (tools/generate_synthpedes.py), read by the CUHK-PEDES reader,
# for the tiny CLIP: the text pipelines read the model's tokenizer and the
# images are resized to the model's input size. The folder holding the data
# sets comes from the environment variable AMNSFW_DATA_ROOT (default: data/
# under the working directory), as for the real data sets.
_base_ = ['../models/tiny_clip.py']
model = dict(num_classes=1000)  # person ids of the train split (IDLoss)

# Identity-balanced batches (16 people x 4 pairs): every recipe on this
# small data set needs several positives per person in a batch to learn
# (measured for the main job, docs/configs.md), so all share it.
train_dataloader = dict(
    batch_size=64,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='IdentityBalancedSampler', num_instances=4),
    collate_fn=dict(type='amnsfw.collate_person_search'),
    dataset=dict(
        type='CUHKPEDES',
        data_root='{{$AMNSFW_DATA_ROOT:data}}/SynthPEDES',
        split='train',
        image_pipeline=[
            dict(type='LoadPersonImage'),
            # Resize takes (width, height); the encoder's size is (h, w).
            dict(type='Resize',
                 scale=_base_.model.image_encoder.image_size[::-1],
                 keep_ratio=False),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='ImageToRGBTensor'),
        ],
        text_pipeline=[
            dict(type='TokenizeCaption', tokenizer=_base_.model.tokenizer)
        ]))

# Evaluation: the split's gallery images, then its captions as queries; the
# data set of training without its augmentation.
val_dataloader = dict(
    batch_size=256,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='amnsfw.collate_person_search'),
    dataset=dict(
        train_dataloader['dataset'],
        split='val',
        image_pipeline=[
            dict(type='LoadPersonImage'),
            dict(type='Resize',
                 scale=_base_.model.image_encoder.image_size[::-1],
                 keep_ratio=False),
            dict(type='ImageToRGBTensor'),
        ]))
test_dataloader = dict(
    val_dataloader, dataset=dict(val_dataloader['dataset'], split='test'))

val_evaluator = dict(type='TextToImageRetrievalMetric')
test_evaluator = val_evaluator
