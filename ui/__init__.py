"""The Front Door workspace: a Gradio app over the records store and the one pipeline.

    from ui.app import build_app
    from ui.context import Workspace
    ws = Workspace(settings, store, pipeline)
    demo = build_app(ws)
    ws.launch(demo)          # or `frontdoor ui`

Nothing runs at import: the CLI (``ui.cli.ui_command``) builds the workspace at start-up.
"""
