# AMNS on RSTPReid, 50 % of the train captions shuffled (noisy).
_base_ = './amns_vitb16_60e_rstpreid.py'
train_dataloader = dict(dataset=dict(noise_rate=0.50))
