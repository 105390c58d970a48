"""The writes of the voices app, one concern per module (views, the API, commands and tasks call these):

consent       the versioned terms and consent_accept
enrollment    the state machine: enrollment_start, enrollment_transition, enrollment_check_verified, enrollment_revoke
sentences     readable sentences of the author's published articles, and a varied draw of them
challenges    challenge_create, sentence_show (the recorded showing time and its signed token)
verification  reading_verify: is this recording the author reading the sentence shown, live?
readings      reading_submit: limits, challenge, verification, storage and progress of one upload
limits        attempts per hour/day and the lockout
voice         a cloned voice's life: clone, apply, suspend/reinstate, retire, revoke (artifact_erase)
refine        after a voice is ready: record more (a new round, then a new version) or discard and start over
reasons       the checks' messages in English and Chinese
"""
