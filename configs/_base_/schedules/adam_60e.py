# The peers' fine-tuning recipe (IRRA, RDE; METHOD.md section 5): Adam,
# lr 1e-5, weight decay 4e-5, eps 1e-3; modules trained from scratch (loss
# and embedding heads: classifier, MLM head, TSE) at lr x5; biases at lr x2
# without weight decay (IRRA's bias_lr_factor and weight_decay_bias); 5
# linear warm-up epochs from 0.1 x lr, then cosine to 0; 60 epochs.
# MMEngine gives custom_keys precedence over the bias rule, so a head's
# biases get x5 (IRRA gives cross-modal biases x2): a documented deviation.
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-5, betas=(0.9, 0.999), eps=1e-3,
                   weight_decay=4e-5),
    paramwise_cfg=dict(
        bias_lr_mult=2.0,
        bias_decay_mult=0.0,
        custom_keys={
            'loss_heads': dict(lr_mult=5.0),
            'embedding_heads': dict(lr_mult=5.0),
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
         end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=5,
         end=60, eta_min=0.0, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=60, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64, enable=False)
