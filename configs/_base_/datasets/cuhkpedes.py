# CUHK-PEDES (reid_raw.json, images under imgs/), read by CUHKPEDES, for
# CLIP ViT-B/16: the text pipelines read the model's tokenizer and the images
# are resized to the model's input size. The folder holding the data sets
# comes from the environment variable AMNSFW_DATA_ROOT (default: data/ under
# the working directory), e.g.
#   AMNSFW_DATA_ROOT=/datasets .venv/bin/python tools/train.py CONFIG
# or override each loader with --cfg-options
#   train_dataloader.dataset.data_root=/path/CUHK-PEDES (likewise val_, test_).
# A recipe moves to ICFG-PEDES or RSTPReid by swapping the reader, the
# folder and the ID classes (docs/configs.md, "Another data set").
_base_ = ['../models/clip_vit_b16.py']
model = dict(num_classes=11003)  # person ids of the train split (IDLoss)

# The peers' training augmentation (IRRA's build_transforms with img_aug):
# resize, flip, pad + random crop back to the input size, random erasing.
# Normalisation happens in the model (PersonSearchDataPreprocessor).
train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='amnsfw.collate_person_search'),
    dataset=dict(
        type='CUHKPEDES',
        data_root='{{$AMNSFW_DATA_ROOT:data}}/CUHK-PEDES',
        split='train',
        image_pipeline=[
            dict(type='LoadPersonImage'),
            # Resize takes (width, height); the encoder's size is (h, w).
            dict(type='Resize',
                 scale=_base_.model.image_encoder.image_size[::-1],
                 keep_ratio=False),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            # 10 pixels of zeros on every side before the random crop.
            dict(type='mmpretrain.RandomCrop',
                 crop_size=_base_.model.image_encoder.image_size,
                 padding=10),
            # Erases 2-40 % of the image area with CLIP's mean colour on the
            # 0-255 scale, rounded, in BGR order: images are BGR until
            # ImageToRGBTensor and RandomErasing fills in the array's channel
            # order, so erased pixels normalise to ~0 in
            # PersonSearchDataPreprocessor. IRRA differs slightly: it erases
            # after normalising, with value=CLIP's mean, i.e. ~0.45 in
            # normalised units rather than 0.
            dict(type='mmpretrain.RandomErasing', erase_prob=0.5,
                 min_area_ratio=0.02, max_area_ratio=0.4, mode='const',
                 fill_color=(104, 117, 123)),
            dict(type='ImageToRGBTensor'),
        ],
        text_pipeline=[
            dict(type='TokenizeCaption', tokenizer=_base_.model.tokenizer)
        ]))

# Evaluation: the split's gallery images, then its captions as queries; the
# data set of training without its augmentation.
val_dataloader = dict(
    batch_size=256,
    num_workers=4,
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
