# A tiny CLIP (random weights) that trains in minutes on a CPU. The tokenizer
# comes from the dataset config: experiments set model.tokenizer.
model = dict(
    type='TextImageRetriever',
    image_encoder=dict(
        type='CLIPImageEncoder',
        image_size=(96, 32),
        config=dict(hidden_size=64, intermediate_size=256,
                    num_hidden_layers=4, num_attention_heads=4, patch_size=16,
                    image_size=32, projection_dim=64)),
    text_encoder=dict(
        type='CLIPTextEncoder',
        config=dict(hidden_size=64, intermediate_size=256,
                    num_hidden_layers=2, num_attention_heads=4,
                    projection_dim=64)),
    masker=dict(type='IdentityMasker'),
    losses=[dict(type='SDMLoss', tau=0.02)])
