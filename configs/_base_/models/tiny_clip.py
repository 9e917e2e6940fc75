# The tiny CLIP of the SynthPEDES recipes, pretrained on SynthPEDES-Pretrain
# and loaded from the model zoo (`tinyclip-synthpedes`, docs/model_zoo.md),
# as the real-size recipes load OpenAI's CLIP. Image tower: a convolutional
# trunk (three 3x3 stride-2 convolutions) feeding 8-pixel patches on 96x32,
# a 12x4 grid of 48 tokens, into a 4-layer ViT; text tower: 3 layers. The
# tokenizer is the zoo entry's (configs/_base_/datasets/synthpedes.py).
zoo_model = 'zoo://tinyclip-synthpedes'
width = 96
model = dict(
    type='TextImageRetriever',
    image_encoder=dict(
        type='CLIPImageEncoder',
        image_size=(96, 32),
        conv_stem=[32, 64, width],
        pretrained=zoo_model,
        config=dict(hidden_size=width, intermediate_size=4 * width,
                    num_hidden_layers=4, num_attention_heads=4, patch_size=8,
                    image_size=32, projection_dim=width)),
    text_encoder=dict(
        type='CLIPTextEncoder',
        pretrained=zoo_model,
        config=dict(hidden_size=width, intermediate_size=4 * width,
                    num_hidden_layers=3, num_attention_heads=4,
                    projection_dim=width)),
    masker=dict(type='IdentityMasker'),
    losses=[dict(type='SDMLoss', tau=0.02)])
