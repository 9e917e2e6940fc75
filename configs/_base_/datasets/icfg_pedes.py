# ICFG-PEDES (ICFG-PEDES.json, images under imgs/), read by ICFGPEDES.
# data_root is relative to the working directory: symlink the data set to
# data/ICFG-PEDES or override it, e.g.
#   --cfg-options train_dataloader.dataset.data_root=/path/ICFG-PEDES \
#       val_dataloader.dataset.data_root=/path/ICFG-PEDES \
#       test_dataloader.dataset.data_root=/path/ICFG-PEDES
data_root = 'data/ICFG-PEDES'
image_size = (384, 128)  # (height, width), as the peers (IRRA, RDE) use

# CLIP's BPE tokenizer: a Hugging Face hub name or a local folder holding
# its files (vocab.json and merges.txt, or tokenizer.json).
tokenizer = dict(
    type='CLIPBPETokenizer',
    name_or_path='openai/clip-vit-base-patch16',
    max_length=77)

# Normalisation happens in the model. The peers' pad + random crop and
# random erasing are not part of this pipeline.
train_image_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size[1], image_size[0]), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='ImageToRGBTensor'),
]
test_image_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size[1], image_size[0]), keep_ratio=False),
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
        type='ICFGPEDES',
        data_root=data_root,
        split='train',
        image_pipeline=train_image_pipeline,
        text_pipeline=text_pipeline))

# Evaluation: the split's gallery images, then its captions as queries.
# ICFG-PEDES has no val split: ICFGPEDES carves one from train by identity
# (val_ids=0.1, val_seed=0 by default; train and val must use the same
# values, so set both if you change them), and train excludes it.
eval_loader = dict(
    batch_size=256,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='amnsfw.collate_person_search'))
eval_dataset = dict(
    type='ICFGPEDES',
    data_root=data_root,
    image_pipeline=test_image_pipeline,
    text_pipeline=text_pipeline)
val_dataloader = dict(**eval_loader, dataset=dict(**eval_dataset, split='val'))
test_dataloader = dict(
    **eval_loader, dataset=dict(**eval_dataset, split='test'))

val_evaluator = dict(type='TextToImageRetrievalMetric')
test_evaluator = val_evaluator
