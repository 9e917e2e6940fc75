# The 30-epoch fine-tuning schedule (adamw_30e.py) cut to 8 epochs: the
# main job's, which must finish in 6 minutes on a 2-core CPU.
_base_ = ['./adamw_30e.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=8,
         eta_min=0.0, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=8)
