"""Forms for task lists and tasks. CSRF is checked for every POST by CSRFProtect; the
templates carry the token in a hidden input without an id (many forms share a page)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import CheckboxesField, options
from ..models import TaskStatus

STATUSES = {
    TaskStatus.OPEN: _l("To do"),
    TaskStatus.IN_PROGRESS: _l("In progress"),
    TaskStatus.DONE: _l("Done"),
}


class _Form(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks the request before the view runs


class ListForm(_Form):
    title = StringField(_l("Name of the list"), validators=[DataRequired(), Length(max=200)])


class AssigneesForm(_Form):
    assignees = CheckboxesField(_l("Assigned to"), coerce=int, validators=[Optional()])

    def __init__(self, people, **kwargs):
        super().__init__(**kwargs)
        self.assignees.choices = options((u.id, u.name) for u in people)
        self.people = {u.id: u for u in people}

    def chosen(self) -> list:
        return [self.people[i] for i in self.assignees.data or []]


class TaskForm(AssigneesForm):
    title = StringField(_l("Task"), validators=[DataRequired(), Length(max=300)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    due_on = DateField(_l("Due date"), validators=[Optional()])


class EditTaskForm(TaskForm):
    task_list = SelectField(_l("List"), coerce=int)

    def __init__(self, people, lists, **kwargs):
        super().__init__(people, **kwargs)
        self.task_list.choices = options((tl.id, tl.title) for tl in lists)
