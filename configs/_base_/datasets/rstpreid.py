# RSTPReid (data_captions.json, images under imgs/), read by RSTPReid;
# pipelines, loaders and tokenizer as for CUHK-PEDES. The data set folder
# comes from AMNSFW_DATA_ROOT (default: data/), or per loader from
# --cfg-options
#   train_dataloader.dataset.data_root=/path/RSTPReid (likewise val_, test_).
_base_ = './cuhk_pedes.py'
num_train_ids = 3701  # person ids of the train split (IDLoss classes)
data_root = '{{$AMNSFW_DATA_ROOT:data}}/RSTPReid'
train_dataloader = dict(dataset=dict(type='RSTPReid', data_root=data_root))
val_dataloader = dict(dataset=dict(type='RSTPReid', data_root=data_root))
test_dataloader = dict(dataset=dict(type='RSTPReid', data_root=data_root))
