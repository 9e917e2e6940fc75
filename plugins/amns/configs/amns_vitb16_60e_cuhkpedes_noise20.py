# AMNS on CUHK-PEDES, 20 % of the train captions shuffled (noisy).
_base_ = './amns_vitb16_60e_cuhkpedes.py'
train_dataloader = dict(dataset=dict(noise_rate=0.20))
