"""The peacekeeper's path: slides, case studies, quiz, completion, certificate."""
