# AMNS on RSTPReid, 80 % of the train captions shuffled (noisy).
_base_ = './amns_vitb16_60e_rstpreid_noise50.py'
train_dataloader = dict(dataset=dict(noise_rate=0.80))
