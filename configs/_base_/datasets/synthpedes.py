# SynthPEDES (tools/generate_synthpedes.py), read by the CUHK-PEDES reader.
data_root = 'data/SynthPEDES'
num_train_ids = 1000  # person ids of the train split (IDLoss classes)
image_size = (96, 32)  # (height, width), 3:1 like real data

# The pretrained tiny CLIP's word-level vocabulary, from the model zoo
# (configs/_base_/models/tiny_clip.py loads its towers).
tokenizer = dict(
    type='WordLevelTokenizer',
    vocab_file='zoo://tinyclip-synthpedes/tokenizer.json',
    max_length=32)

train_image_pipeline = [
    dict(type='LoadPersonImage'),
    dict(type='Resize', scale=(image_size[1], image_size[0]),
         keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='ImageToRGBTensor'),
]
test_image_pipeline = [
    dict(type='LoadPersonImage'),
    dict(type='Resize', scale=(image_size[1], image_size[0]),
         keep_ratio=False),
    dict(type='ImageToRGBTensor'),
]
text_pipeline = [dict(type='TokenizeCaption', tokenizer=tokenizer)]

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
        data_root=data_root,
        split='train',
        image_pipeline=train_image_pipeline,
        text_pipeline=text_pipeline))

# Evaluation: the split's gallery images, then its captions as queries.
eval_loader = dict(
    batch_size=256,
    num_workers=1,
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
