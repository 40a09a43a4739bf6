/**
 * @file The register page (`form[data-vault="register"]`): for a practitioner or manager who
 * chose a vault passphrase the script makes the vault keys here and registers through the API
 * with them; the vault passphrase fields have no `name`, so the passphrase is never posted.
 * Without a passphrase (an account for the web app only, as without the script) and for an
 * adopter or foster carer the plain form is posted as before.
 */
import { register, MIN_PASSPHRASE } from '../flows/register.js';
import { all, one, reveal, statusOf, whileBusy, conceal } from './dom.js';

/** Whether the form is for a practitioner or manager (the vault's members). */
function isStaff(form) {
  const chosen = one('input[name="kind"]:checked', form);
  return Boolean(chosen) && chosen.value === 'staff';
}

/** Shows the passphrase fields only for the practitioner/manager choice. */
function togglePassphrase(form) {
  const staff = isStaff(form);
  for (const input of all('#vault-passphrase, #vault-passphrase-confirm', form)) {
    const field = input.closest('#vault-passphrase-fields') || input.closest('.field') || input;
    if (staff) reveal(field);
    else conceal(field);
  }
}

/** What the form holds, with the mistakes a person can fix before anything is sent. */
function read(form) {
  const value = (id) => (one(`#${id}`, form) ? one(`#${id}`, form).value : '');
  const values = {
    org: value('org'),
    displayName: value('name').trim(),
    email: value('email').trim(),
    password: value('password'),
    invite: value('invite'),
    passphrase: value('vault-passphrase'),
  };
  const problems = [];
  if (!values.org) problems.push('Choose your organisation.');
  if (!values.displayName) problems.push('Enter your name.');
  if (!values.email.includes('@')) problems.push('Enter your e-mail address.');
  if (values.password.length < 12) problems.push('The password needs at least 12 characters.');
  if (values.password !== value('confirm')) problems.push('The two passwords differ.');
  let passphraseProblem = '';
  if (values.passphrase.length < MIN_PASSPHRASE) {
    passphraseProblem = `The vault passphrase needs at least ${MIN_PASSPHRASE} characters.`;
  } else if (values.passphrase !== value('vault-passphrase-confirm')) {
    passphraseProblem = 'The two vault passphrases differ.';
  } else if (values.passphrase === values.password) {
    passphraseProblem = 'Choose a vault passphrase different from your password: the password '
      + 'goes to the server, the passphrase never does.';
  }
  if (passphraseProblem) problems.push(passphraseProblem);
  return { values, problems, passphraseProblem };
}

/**
 * Writes the passphrase's problem next to its field (`#vault-passphrase-error`) and marks the
 * field invalid, or clears both when there is none.
 */
function showPassphraseProblem(form, problem) {
  const input = one('#vault-passphrase', form);
  const line = one('#vault-passphrase-error', form);
  if (line) {
    line.textContent = problem;
    if (problem) reveal(line);
    else conceal(line);
  }
  if (!input) return;
  if (problem) {
    input.setAttribute('aria-invalid', 'true');
    if (line) input.setAttribute('aria-errormessage', line.id);
  } else {
    input.removeAttribute('aria-invalid');
  }
}

/** Wires the register form, when the page has one. */
export function start() {
  const form = one('form[data-vault="register"]');
  if (!form) return;
  const status = statusOf(form,
    { status: '#vault-register-status', alert: '#vault-register-error' });
  for (const radio of all('input[name="kind"]', form)) {
    radio.addEventListener('change', () => togglePassphrase(form));
  }
  togglePassphrase(form);
  form.addEventListener('submit', (event) => {
    const passphrase = one('#vault-passphrase', form);
    const confirm = one('#vault-passphrase-confirm', form);
    const wantsKeys = (passphrase && passphrase.value) || (confirm && confirm.value);
    if (!isStaff(form) || !wantsKeys) return;
    event.preventDefault();
    const { values, problems, passphraseProblem } = read(form);
    showPassphraseProblem(form, passphraseProblem);
    if (problems.length) {
      status.fail(new Error(problems.join(' ')));
      return;
    }
    const button = one('button[type="submit"], button:not([type])', form);
    whileBusy(button, async () => {
      try {
        const done = await register(values, (text) => status.say(text));
        const founded = form.dataset.vaultFounded || '/register/vault-founded';
        const received = form.dataset.vaultReceived || '/register/vault-waiting';
        window.location.assign(done.founded ? founded : received);
      } catch (error) {
        status.fail(error);
      }
    });
  });
}
