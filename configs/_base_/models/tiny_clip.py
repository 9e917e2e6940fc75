# The tiny CLIP of the SynthPEDES recipes, pretrained on SynthPEDES-Pretrain
# and loaded from the model zoo (`tinyclip-synthpedes`, docs/model_zoo.md),
# as the real-size recipes load OpenAI's CLIP. Image tower: a convolutional
# trunk (three 3x3 stride-2 convolutions) feeding 8-pixel patches on 96x32,
# a 12x4 grid of 48 tokens, into a 4-layer ViT; text tower: 3 layers; width
# 96 throughout.
model = dict(
    type='TextImageRetriever',
    # The zoo entry's word-level vocabulary: the one tokenizer definition of
    # every recipe on this model (the data base's text pipelines read it).
    tokenizer=dict(
        type='WordLevelTokenizer',
        vocab_file='zoo://tinyclip-synthpedes/tokenizer.json',
        max_length=32),
    image_encoder=dict(
        type='CLIPImageEncoder',
        image_size=(96, 32),
        conv_stem=[32, 64, 96],
        pretrained='zoo://tinyclip-synthpedes',
        config=dict(hidden_size=96, intermediate_size=384,
                    num_hidden_layers=4, num_attention_heads=4, patch_size=8,
                    image_size=32, projection_dim=96)),
    text_encoder=dict(
        type='CLIPTextEncoder',
        pretrained='zoo://tinyclip-synthpedes',
        config=dict(hidden_size=96, intermediate_size=384,
                    num_hidden_layers=3, num_attention_heads=4,
                    projection_dim=96)),
    masker=dict(type='IdentityMasker'),
    loss_heads=[dict(type='SDMLoss', tau=0.02)])
