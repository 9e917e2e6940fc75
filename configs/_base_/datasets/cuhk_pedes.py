# CUHK-PEDES (reid_raw.json, images under imgs/), read by CUHKPEDES.
# The folder holding the data sets comes from the environment variable
# AMNSFW_DATA_ROOT (default: data/ under the working directory), e.g.
#   AMNSFW_DATA_ROOT=/datasets .venv/bin/python tools/train.py CONFIG
# or override each loader with --cfg-options
#   train_dataloader.dataset.data_root=/path/CUHK-PEDES (likewise val_, test_).
data_root = '{{$AMNSFW_DATA_ROOT:data}}/CUHK-PEDES'
num_train_ids = 11003  # person ids of the train split (IDLoss classes)
image_size = (384, 128)  # (height, width), as the peers (IRRA, RDE) use
# The peers' training augmentation (IRRA's build_transforms with img_aug):
# resize, flip, pad + random crop back to image_size, random erasing.
flip_prob = 0.5
crop_padding = 10  # pixels of zeros on every side before the random crop
erase_prob = 0.5
erase_area = (0.02, 0.4)  # erased share of the image area
# CLIP's mean colour on the 0-255 scale, rounded, in BGR order: images are
# BGR until ImageToRGBTensor and RandomErasing fills in the array's channel
# order, so erased pixels normalise to ~0 in PersonSearchDataPreprocessor.
# IRRA differs slightly: it erases after normalising, with value=CLIP's
# mean, i.e. ~0.45 in normalised units rather than 0.
erase_fill_bgr = (104, 117, 123)

# CLIP's BPE tokenizer, from the same checkpoint as the model (environment
# variable AMNSFW_CLIP): a hub name or a local folder holding its files
# (vocab.json and merges.txt, or tokenizer.json).
tokenizer = dict(
    type='CLIPBPETokenizer',
    name_or_path='{{$AMNSFW_CLIP:openai/clip-vit-base-patch16}}',
    max_length=77)

# Normalisation happens in the model (PersonSearchDataPreprocessor).
train_image_pipeline = [
    dict(type='LoadPersonImage'),
    dict(type='Resize', scale=(image_size[1], image_size[0]),
         keep_ratio=False),
    dict(type='RandomFlip', prob=flip_prob, direction='horizontal'),
    dict(type='mmpretrain.RandomCrop', crop_size=image_size,
         padding=crop_padding),
    dict(type='mmpretrain.RandomErasing', erase_prob=erase_prob,
         min_area_ratio=erase_area[0], max_area_ratio=erase_area[1],
         mode='const', fill_color=erase_fill_bgr),
    dict(type='ImageToRGBTensor'),
]
test_image_pipeline = [
    dict(type='LoadPersonImage'),
    dict(type='Resize', scale=(image_size[1], image_size[0]),
         keep_ratio=False),
    dict(type='ImageToRGBTensor'),
]
text_pipeline = [dict(type='TokenizeCaption', tokenizer=tokenizer)]

train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='amnsfw.collate_person_search'),
    dataset=dict(
        type='CUHKPEDES',
        data_root=data_root,
        split='train',
        image_pipeline=train_image_pipeline,
        text_pipeline=text_pipeline))

# Evaluation: the split's gallery images, then its captions as queries.
eval_loader = dict(
    batch_size=256,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='amnsfw.collate_person_search'))
eval_dataset = dict(
    type='CUHKPEDES',
    data_root=data_root,
    image_pipeline=test_image_pipeline,
    text_pipeline=text_pipeline)
val_dataloader = dict(**eval_loader, dataset=dict(**eval_dataset, split='val'))
test_dataloader = dict(
    **eval_loader, dataset=dict(**eval_dataset, split='test'))

val_evaluator = dict(type='TextToImageRetrievalMetric')
test_evaluator = val_evaluator
