"""The gateway's routers, one per file; `app.py` includes them.

    legacy.py       POST /inference-c, /inference-w (the original shapes)
    clone.py        POST /v1/clone (multipart or JSON; WAV or JSON out)
    requests.py     GET /v1/requests (admin key)
    passthrough.py  /encoder/*, /synthesizer/*, /synthesizer-model/*, /vocoder/*
    deps.py         StateDep, CallerDep (API key + rate limit), AdminDep
    bodies.py       raw-JSON audio bodies and clone responses shared by the routers
"""
