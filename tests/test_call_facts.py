"""Who is calling and whether the family knows, on short realistic calls through the real spaCy
model and the real corpus; and the validation of the cue files those facts read."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.extract.call_facts import caller_role, parents_aware
from assistant.knowledge import KnowledgeError, load_knowledge
from assistant.records import Transcript, Turn

HELLO = ("worker", "Children's Advice and Duty Service, how can I help?")


def transcript(*turns: tuple[str, str]) -> Transcript:
    return Transcript(id="t", turns=[Turn(speaker=speaker, text=text) for speaker, text in turns])  # type: ignore[arg-type]


def worker(text: str) -> tuple[str, str]:
    return ("worker", text)


def caller(text: str) -> tuple[str, str]:
    return ("caller", text)


# -- who is calling ---------------------------------------------------------------------------------------


@pytest.mark.models
@pytest.mark.parametrize(
    ("turns", "role"),
    [
        # the longest words win where they overlap: a school nurse is health, not the school
        ([caller("Hi, it's Bethany, I'm the school nurse for Broadland High.")], "health"),
        # a title used in many services (DSL, manager) gives way to the service named with it
        ([caller("Hello, it's Lisa, I'm the manager and DSL at a day nursery in Swaffham.")], "early_years"),
        ([caller("Hi, it's Phil, I'm the deputy DSL at Woodland View Infants.")], "school"),
        # the words nearest the introduction name the caller's own service
        ([caller("Hiya, it's Jenny, I run the food bank at Saint Luke's church.")], "voluntary_sector"),
        # a service that told the caller to ring is not the caller
        (
            [
                caller("There's a little kid on a balcony, the police said to ring you as well."),
                worker("Can I take your name?"),
                caller("It's Sandra, I live in the flats opposite."),
            ],
            "family_or_public",
        ),
        (
            [
                caller("Hi. I'm a mum, I'm ringing about my own son."),
                worker("What's happening?"),
                caller("He didn't come home at all, I rang the police at midnight."),
            ],
            "family_or_public",
        ),
        # family words after "I'm" name the caller only right after it ("I'm his nan")
        ([caller("My name's Dave, I run a boxing gym. I'm, er, I'm worried about his dad.")], "other"),
        ([caller("Hello love, I'm his nan, I'm worried sick.")], "family_or_public"),
        # words between the introduction and the family word; where the caller lives
        ([caller("Sorry to bother you, I'm the next-door neighbour at number four.")], "family_or_public"),
        ([caller("i dont want to say my name i live in a flat on the estate and its kicking off upstairs")],
         "family_or_public"),
        # a job named by what the caller does; "it's his dad" later is about the family, not an introduction
        ([caller("My name's Tom, I teach guitar privately."), worker("Go on."), caller("It's his dad.")], "other"),
        # speech recognition splits a role word ("health visit her"); a plural ("refuges")
        ([caller("hiya its sam im a health visit her at the clinic")], "health"),
        ([caller("Hi, I'm a support worker at one of the refuges in the city.")], "voluntary_sector"),
        # a plural role word counts as the word ("one of the school nurses" is health, not the school)
        ([caller("Hi, it's Jo, I'm one of the school nurses for the high school cluster.")], "health"),
        ([caller("Hello dear, I'm looking after my three grandchildren while their dad's in prison.")],
         "family_or_public"),
        ([caller("I look after two little boys in the week, I'm registered with Ofsted.")], "early_years"),
        ([caller("Good morning, I'm a solicitor, I act for the mother. There's a police record of the assault.")],
         "other"),
        ([caller("Hi, it's Jo, school nursing, I cover the high schools in town.")], "health"),
        ([caller("Oh hello, I don't know if I'm ringing the right place, it's about the kiddies next door.")],
         "family_or_public"),
        ([caller("I'm a piano teacher, I teach privately, I go into people's homes.")], "other"),
        # set 11's conventions: youth justice is the council's service, not probation; a swimming teacher
        # is no school; a young people's drug and alcohol service is a voluntary one; "it's my sister"
        ([caller("Hi Paul, it's Andrea, I'm a case manager with the youth justice service.")], "other"),
        ([caller("im a swimming teacher at the er leisure centre i do the kids lessons")], "other"),
        ([caller("It's Lewis, I'm a key worker with a young people's drug and alcohol service in Norwich.")],
         "voluntary_sector"),
        ([caller("Sorry, I don't know who else to ring. It's my sister, she's taken a load of tablets."),
          worker("Who's with the kids?"), caller("Our mum does the school run on Mondays.")], "family_or_public"),
    ],
    ids=["school nurse", "dsl at a nursery", "dsl at a school", "nearest service", "police said to ring",
         "rang the police", "worried about his dad", "his nan", "next-door neighbour", "i live in a flat",
         "it's his dad", "speech recognition", "refuges", "plural by lemma", "grandchildren", "registered",
         "solicitor", "school nursing", "kiddies next door", "piano teacher", "youth justice", "swimming teacher",
         "young people's drug service", "it's my sister"],  # fmt: skip
)
def test_caller_role(analyser, turns: list, role: str) -> None:  # type: ignore[no-untyped-def]
    call = transcript(HELLO, *turns)
    found = caller_role(analyser, analyser.analyse(call))
    assert found.role == role
    evidence = found.evidence[0]
    assert evidence.quote and evidence.quote in call.turns[evidence.turn].text
    assert call.turns[evidence.turn].speaker == "caller"


# -- does the family know --------------------------------------------------------------------------------


@pytest.mark.models
@pytest.mark.parametrize(
    ("turns", "aware", "quote"),
    [
        # the caller answers the worker's question; a phrase about the call decides
        (
            [worker("Have you spoken to mum?"),
             caller("I rang her at lunchtime. She didn't know what else to do. So she knows I'm ringing you.")],
            "yes", "So she knows I'm ringing you.",
        ),
        ([worker("Does Sam know you're calling?"), caller("She's sat next to me, actually.")], "yes", "sat next to me"),
        # a negation turns a short answer round
        ([worker("Does mum know you're ringing?"), caller("Mum doesn't, no.")], "no", "Mum doesn't, no."),
        # the first words answer when no phrase does; later words do not undo them
        (
            [worker("Have you contacted parents?"), caller("No, I haven't, because of what he said. Mum does pick-up.")],
            "no", "No, I haven't, because of what he said.",
        ),
        ([worker("Have you spoken to the parents?"), caller("Not yet, I wanted advice first.")], "no", "Not yet"),
        # not knowing whether someone else told the family leaves it unknown
        (
            [worker("Does his mum know you're calling?"),
             caller("I haven't told her. I don't know whether the school have spoken to her.")],
            "unknown", "I don't know whether the school have spoken to her.",
        ),
        ([worker("Do you know if mum is aware of your worries?"), caller("No idea, I've never met her.")], "unknown",
         "No idea"),
        # the worker checks; "no" and "yes" both agree that mum does not know
        (
            [worker("Right. So mum doesn't know you're calling us."), caller("No, she's got no idea.")],
            "no", "No, she's got no idea.",
        ),
        ([worker("And the family won't know you're calling, I'm guessing."), caller("Yes, that's right.")], "no",
         "Yes, that's right."),
        # unpunctuated speech: the last sentence of the worker's turn may ask
        ([worker("okay and do the parents know youre calling"), caller("yeah they know they asked me to")], "yes",
         "yeah"),
        # a parent calling about their own child knows
        ([caller("Hi, I'm calling about my son, he's thirteen."), worker("What's happening?")], "yes",
         "I'm calling about my son"),
        # questions that ask on their own, and consent
        ([worker("Are they aware?"), caller("Not at this stage, no.")], "no", "Not at this stage, no."),
        ([worker("Do you have consent?"), caller("Yes, mum signed the form this morning.")], "yes", "Yes"),
        ([worker("Has mum been told you're calling?"), caller("I have, yes, she's fine with it.")], "yes", "I have,"),
        # the caller's own words, with nobody asking
        ([caller("The parents haven't been informed, police asked us to wait.")], "no", "haven't been informed"),
        ([caller("We're holding off telling mum until we've spoken to you.")], "no", "holding off telling mum"),
        ([caller("I'm ringing with mum's consent.")], "yes", "I'm ringing with mum's consent."),
        ([caller("Mum knows I'm ringing you, she asked me to.")], "yes", "Mum knows I'm ringing you"),
        ([caller("We didn't want to alert the parents before we'd spoken to you.")], "no", "didn't want to alert"),
        # "have you said to mum" asks too
        ([worker("Have you said to his mum that you'd be phoning us?"), caller("No. Should I have?")], "no", "No."),
        # a yes phrase after "neither" says no; after "if" or "whether" it is asked, not said
        ([caller("I've told the school. So neither of them knows we've rung.")], "no", "knows we've rung"),
        (
            [worker("Have you spoken to mum?"),
             caller("No. So I couldn't tell you if she knows we're referring.")],
            "unknown", "knows we're referring",
        ),
        # "going to ring" names the call; the worker's "we won't tell them who called" asks nothing
        (
            [worker("does the family know you were going to ring"), caller("no and please dont tell them it was me"),
             worker("we wont tell them who called do you know the address"), caller("yeah its number fourteen")],
            "no", "no and please dont tell them",
        ),
        # unpunctuated "didnt" and "doesnt", said in passing after a question about something else
        (
            [worker("and what did dad say about it"),
             caller("dads aware of the bruise yeah but er i didnt mention id be calling you no he doesnt know about this")],
            "no", "mention id be calling",
        ),
        # a parent who calls: a question about the other parent decides
        (
            [caller("Hi, I'm calling about my kids, I'm their dad, we split up last year."),
             worker("Does their mum know you're calling?"), caller("No, she'd go mad.")],
            "no", "No, she'd go mad.",
        ),
        # an anonymous neighbour: the family will not know who called
        ([caller("It's about the little boy next door. I don't want her knowing it was me, we share a wall.")],
         "no", "don't want her knowing"),
        # a question about what the child said of mum and dad is not about the family knowing
        (
            [worker("Has he said anything about how things are between mum and dad?"),
             caller("Only that they shout a lot. I don't know any more than that."),
             worker("Has anyone said anything to mum or dad about what he's told you?"), caller("No, nothing.")],
            "no", "No",
        ),
        # the caller does not know yet whether a colleague has told them
        (
            [worker("Do the parents know you're referring to us?"),
             caller("The registrar was going to speak to them, and I don't know yet whether she has.")],
            "unknown", "don't know yet whether she has",
        ),
    ],
    ids=["phrase about the call", "sat next to me", "she doesn't", "first words", "not yet", "doubt", "no idea",
         "worker checks no", "worker checks yes", "unpunctuated", "parent calling", "are they aware", "consent",
         "i have", "not informed", "holding off", "with consent", "statement yes", "statement no", "said to mum",
         "neither of them", "if she knows", "going to ring", "didnt mention", "parent calling, other parent asked", "not knowing it was me",
         "said anything about", "not yet whether"],  # fmt: skip
)
def test_parents_aware(analyser, turns: list, aware: str, quote: str) -> None:  # type: ignore[no-untyped-def]
    call = transcript(HELLO, *turns)
    verdict, evidence = parents_aware(analyser, analyser.analyse(call))
    assert verdict == aware
    assert quote in evidence[0].quote
    assert evidence[0].quote in call.turns[evidence[0].turn].text
    assert call.turns[evidence[0].turn].speaker == "caller"


@pytest.mark.models
@pytest.mark.parametrize(
    "turns",
    [
        # a question about what the caller knows of someone is not about the family knowing
        [worker("Do you know who they are?"), caller("Not yet, we're working on the plate.")],
        [worker("Do you know the mum?"), caller("Not really, I think she's called Leanne.")],
        [worker("Can you tell me about mum?"), caller("Yes, she works nights.")],
        # the child is not the family
        [worker("Has Amal said anything?"), caller("I haven't spoken to Amal about it. She's seven.")],
        # the worker's own word is not the caller's answer
        [worker("So mum knows you're calling."), worker("Hello?")],
        # questions that are not about the family knowing: other people, closing the call
        [worker("Did you tell the police?"), caller("Yes.")],
        [worker("Can you keep us informed?"), caller("Yes of course.")],
        [worker("Has mum told you about her worries?"), caller("Yes, she's struggling.")],
        # wondering whether the family was told is not saying so
        [caller("Whether anyone's actually said to her we're referring, I honestly couldn't tell you.")],
        # talking to mum about something else does not say she knows of the call
        [caller("My manager spoke to mum at pick-up yesterday about the behaviour.")],
    ],
    ids=["who they are", "know the mum", "tell me about mum", "the child", "no answer", "told the police",
         "keep us informed", "her worries", "wondering whether", "spoke to mum"],  # fmt: skip
)
def test_parents_aware_unknown_when_nobody_says(analyser, turns: list) -> None:  # type: ignore[no-untyped-def]
    assert parents_aware(analyser, analyser.analyse(transcript(HELLO, *turns))) == ("unknown", [])


# -- the cue files -----------------------------------------------------------------------------------------


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_bracketed_alternatives_are_spelt_out(corpus: Path) -> None:
    edit(corpus / "parents_aware.yaml", lambda d: d.update(yes_phrases=["Mum (knows|is  aware) (i 'm|) calling"]))
    phrases = load_knowledge(corpus).parents_aware.yes_phrases
    assert phrases == ["mum knows i 'm calling", "mum knows calling", "mum is aware i 'm calling", "mum is aware calling"]


@pytest.mark.parametrize("phrase", ["knows (i 'm calling", "knows ((i 'm)) calling", "(|)"])
def test_a_broken_phrase_names_the_file_and_the_phrase(corpus: Path, phrase: str) -> None:
    edit(corpus / "parents_aware.yaml", lambda d: d["no_phrases"].append(phrase))
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(corpus)
    message = str(err.value)
    assert message.startswith(str(corpus / "parents_aware.yaml"))
    assert "no_phrases" in message and phrase in message


@pytest.mark.parametrize("field", ["weak_roles", "caller_phrases"])
def test_an_unknown_role_in_the_role_lists_is_refused(corpus: Path, field: str) -> None:
    edit(corpus / "caller_roles.yaml", lambda d: d[field].update(social_services=["social worker"]))
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(corpus)
    message = str(err.value)
    assert message.startswith(str(corpus / "caller_roles.yaml"))
    assert field in message and "unknown caller roles ['social_services']" in message


def test_an_unknown_fallback_role_is_refused(corpus: Path) -> None:
    edit(corpus / "caller_roles.yaml", lambda d: d.update(fallback="social_services"))
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(corpus)
    assert "fallback" in str(err.value) and "social_services" in str(err.value)


# -- the child's own words: whom "she" or "he" stands for --------------------------------------------------


@pytest.mark.models
@pytest.mark.parametrize(
    ("turns", "quotes"),
    [
        # the nearest earlier word of the pronoun's gender for a person is an adult: not the child
        ([caller("Mum's been really low since the baby was born."), worker("Okay."),
          caller("She said she can't sleep at all.")], []),
        ([caller("Dad came to collect him, and he said he'd been on nights all week.")], []),
        # a word of the other gender is passed over
        ([caller("Dad hit her on Friday."), caller("She said she's scared to go home.")],
         ["She said she's scared to go home."]),
        # someone's relative ("her mum") is not who the pronoun stands for
        ([worker("Does her mum know?"), caller("No. She begged me not to tell her mum.")],
         ["She begged me not to tell her mum."]),
        # who speaks of mum is not mum
        ([caller("Mum came to the meeting."), caller("She said mum shouts at her every night.")],
         ["She said mum shouts at her every night."]),
        # a word for a child, or nothing at all before it: the child
        ([caller("The girl in year five came to me."), caller("She said she doesn't want to go home.")],
         ["She said she doesn't want to go home."]),
        ([caller("He said his stepdad grabbed him by the neck.")], ["He said his stepdad grabbed him by the neck."]),
    ],
    ids=["mum low", "dad said", "other gender", "her mum", "speaks of mum", "the girl", "no one before"],
)
def test_child_voice_pronouns(analyser, turns: list, quotes: list[str]) -> None:  # type: ignore[no-untyped-def]
    from assistant.extract.call_facts import child_voice

    found = child_voice(analyser, analyser.analyse(transcript(HELLO, *turns)))
    assert [v.quote for v in found] == quotes


@pytest.mark.models
@pytest.mark.parametrize(
    "said",
    ["I said I'd ring you for some advice, he's given me permission to.",
     "And she agreed I should phone you, I asked her first.",
     "She knows, actually, I said to her I'd be checking with you.",
     "She was fine about it, she said, 'Ring who you like, I've got nothing to hide.'"],
)
def test_parents_aware_from_the_callers_own_words(analyser, said: str) -> None:  # type: ignore[no-untyped-def]
    call = transcript(HELLO, caller("I'm a health visitor in Thetford."), worker("Go on."), caller(said))
    assert parents_aware(analyser, analyser.analyse(call))[0] == "yes"
